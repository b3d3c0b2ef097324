"""Small widgets shared by the window and the pages."""
