"""Pure payment rules: money, splits, schedules, tamper evidence, FX and bank files; no I/O."""
