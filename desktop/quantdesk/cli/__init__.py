"""The ``quantdesk`` command line: the same core as the app, scriptable, JSON out."""
