"""Transactions, accounts, devices and merchants; monitoring rules and alerts."""
