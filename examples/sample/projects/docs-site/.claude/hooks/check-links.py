#!/usr/bin/env python3
"""PostToolUse hook: warn when an edited Markdown file links to a missing local page."""
import json, os, re, sys

event = json.load(sys.stdin)
path = event.get("tool_input", {}).get("file_path", "")
if path.endswith(".md") and os.path.exists(path):
    for target in re.findall(r"\]\((\./[^)#]+)", open(path, encoding="utf-8").read()):
        if not os.path.exists(os.path.join(os.path.dirname(path), target)):
            print(f"broken link: {target}", file=sys.stderr)
sys.exit(0)
