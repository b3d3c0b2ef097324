"""The pages of the main window; each is ``Page(services, parent=None)`` with ``TITLE``,
``ICON``, ``refresh()`` and a ``ready`` signal emitted once its first data is shown."""
