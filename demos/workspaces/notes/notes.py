"""A tiny command-line notebook: notes are kept in notes.json."""

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

STORE = Path("notes.json")


def load():
    return json.loads(STORE.read_text()) if STORE.exists() else []


def save(notes):
    STORE.write_text(json.dumps(notes, indent=2))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="notes")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a note")
    add.add_argument("text")
    sub.add_parser("list", help="show all notes, oldest first")
    args = parser.parse_args(argv)

    notes = load()
    if args.command == "add":
        notes.append({"text": args.text, "created": datetime.now().isoformat(timespec="seconds")})
        save(notes)
        print(f"added note {len(notes)}")
    elif args.command == "list":
        for i, note in enumerate(notes, 1):
            print(f"{i}. {note['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
