"""KPI alerts: threshold rules from a config file, evaluated over the marts after each publish,
remembered in the work database so each breach fires once, and delivered by webhook and e-mail."""
