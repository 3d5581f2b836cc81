"""Charts (SVG) and the PDF report of an assessment. No Django import here."""
