"""ledgerguard: PCI-DSS 4.0, SOC 2 and GDPR policy-as-code for serverless payment IaC."""

__version__ = "0.1.0"
