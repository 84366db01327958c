"""Shared kernel: the one implementation of capabilities every app uses."""
