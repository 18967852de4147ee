"""Fraud screening: a logistic-regression model scored in pure Python."""
