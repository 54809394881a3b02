"""Maintenance services, one module per subject; callers import the module they mean.

``orders``: work orders (the cleaning gate, checklists, parts and costs, reissue);
``retirement``: repair-or-retire estimates and retirement or loss approved by a supervisor;
``preventive``: service due by days or loans; ``figures``: what upkeep costs and how long it
takes; ``holds``: what maintenance holds back from lending.

Each public function is one step: it takes the acting user, checks the state and the
rules, writes the audit event and flushes; the caller commits once.
"""
