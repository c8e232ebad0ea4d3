"""Results of a solve in MODEL.md units: tables, duals, reduced costs, the checker, writing."""
