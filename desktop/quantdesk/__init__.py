"""QuantDesk: choose, fit-check, pull, switch and compare quantized Ollama models."""

__version__ = "0.1.0"
