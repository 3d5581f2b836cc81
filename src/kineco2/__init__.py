"""KinéCO2: carbon footprint of physiotherapy practices in France and the overseas territories."""

__version__ = "0.1.0"
