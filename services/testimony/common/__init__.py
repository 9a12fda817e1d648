"""What every testimony domain shares: the toolkit of keys and stores, sealed blob storage, the domain metrics."""
