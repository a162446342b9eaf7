"""The demo program of ``spec/api.md`` (``ioguide serve --demo``): patients, procedures, toxicity and users."""
