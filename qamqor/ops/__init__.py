"""Operations: data keys, encrypted backups and restores, retention (docs/security.md)."""
