"""The bottom floor: names shared with what is not Python (the dialplan), importable by every
layer and importing nothing of the package."""
