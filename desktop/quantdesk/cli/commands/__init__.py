"""One module per ``quantdesk`` command."""
