[ "$(python notes.py list --newest | head -1)" = "4. Printer: order toner cartridge" ] && [ "$(python notes.py list | head -1)" = "1. Buy printer paper" ]
