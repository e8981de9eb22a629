"""Report production: formatting, figures, running notebooks and the report set."""
