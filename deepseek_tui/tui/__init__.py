"""The Textual app. Importing it installs our fixes to Textual (`textual_fixes`), so the
app, its widgets and their tests all run on the same, fixed Textual."""

from deepseek_tui.tui import textual_fixes

textual_fixes.apply()
