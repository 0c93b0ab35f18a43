[ "$(python notes.py search PRINTER)" = "1. Buy printer paper
4. Printer: order toner cartridge" ] && [ -z "$(python notes.py search zzz)" ]
