"""Package data: SVG icons (``icons/``) and style sheets (``themes/``), read with
``importlib.resources`` so they work from a wheel, a zip or a frozen app."""
