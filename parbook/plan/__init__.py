"""parbook.plan.model."""
