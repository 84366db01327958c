"""Format overrides per language (FORMAT_MODULE_PATH): only what differs from Django's own."""
