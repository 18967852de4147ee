"""Code shared by every handler: AWS clients, configuration, event models, money, tokens."""
