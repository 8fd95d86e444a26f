"""Formats Django lacks for our languages (``settings.FORMAT_MODULE_PATH``)."""
