"""Services: the application's verbs. Each write is one transaction that also appends its audit row."""
