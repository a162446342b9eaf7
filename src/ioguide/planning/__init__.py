"""Planning the intervention: agent protocols, injection plans, injectability, schedules, eligibility, liver
and
renal staging helpers and ablation records (pure functions on typed values; rule data lives in
``ioguide/data``)."""
