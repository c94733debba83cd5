"""BTC prices: exchange feeds, the composite price, crossings and percent moves."""
