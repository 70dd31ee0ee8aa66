"""One module per CLI command; :mod:`lrsched.commands.common` holds what they share."""
