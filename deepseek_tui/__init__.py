"""deepseek-tui: a keyboard-driven terminal chat client for DeepSeek."""

__version__ = "0.1.0"
