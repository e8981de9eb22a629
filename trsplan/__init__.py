"""trsplan: evaluation toolkit for Strategisk næringsplan for Trondheimsregionen."""

__version__ = "0.1.0"
