"""Charts drawn with pyqtgraph; import a module here only when a chart is shown."""
