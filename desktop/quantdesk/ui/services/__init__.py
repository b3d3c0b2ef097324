"""QObject services: the only code that knows about the I/O thread; widgets see signals."""
