"""The customer-safe public summary: view-model renderers that never see a finding."""
