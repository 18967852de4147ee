# Inputs of the reference stack. Every variable has a default, so `terraform plan` needs no
# tfvars file; override per environment with -var or a *.auto.tfvars file.

variable "aws_region" {
  description = "AWS region to deploy to. An EU region keeps personal data in the EU (GDPR)."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment name, used in tags (dev, staging, prod)."
  type        = string
  default     = "dev"
}

variable "owner" {
  description = "Team accountable for the stack, used in tags."
  type        = string
  default     = "payments-platform"
}

variable "name_prefix" {
  description = "Prefix of resource names; bucket names append account id and region."
  type        = string
  default     = "lg-ref"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.name_prefix))
    error_message = "name_prefix must be 2-16 lowercase letters, digits or hyphens."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group; PCI-DSS 10.5.1 asks for at least 12 months."
  type        = number
  default     = 365

  validation {
    condition     = var.log_retention_days >= 365
    error_message = "log_retention_days must be at least 365."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC the cardholder-data functions run in."
  type        = string
  default     = "10.40.0.0/16"
}

variable "api_throttling_burst_limit" {
  description = "Burst limit of the API's default route settings (requests)."
  type        = number
  default     = 50
}

variable "api_throttling_rate_limit" {
  description = "Steady-state rate limit of the API's default route settings (requests per second)."
  type        = number
  default     = 25
}

variable "api_token_issuer" {
  description = "Expected `iss` claim of merchants' bearer tokens."
  type        = string
  default     = "https://auth.ledgerguard.example"
}

variable "api_token_audience" {
  description = "Expected `aud` claim of merchants' bearer tokens."
  type        = string
  default     = "payments-api"
}

variable "card_limit_major" {
  description = "Issuer simulator: largest payment per card, in major units of its currency."
  type        = number
  default     = 5000
}

variable "velocity_max_payments" {
  description = "Issuer simulator: most payments per card token within the velocity window."
  type        = number
  default     = 5
}

variable "velocity_window_seconds" {
  description = "Issuer simulator: length of the velocity window in seconds."
  type        = number
  default     = 600
}

variable "fee_bps" {
  description = "Merchant fee in basis points of the payment amount (150 = 1.5%)."
  type        = number
  default     = 150
}

variable "recon_amount_tolerance_minor" {
  description = "Reconciliation: largest amount difference (minor units) that still matches."
  type        = number
  default     = 0
}

variable "recon_date_window_days" {
  description = "Reconciliation: days a processor settlement date may differ from the posting date."
  type        = number
  default     = 1
}

variable "settlement_schedule" {
  description = "Schedule expression of the settlement batch run (UTC)."
  type        = string
  default     = "cron(0 22 * * ? *)"
}

variable "reconciliation_schedule" {
  description = "Schedule expression of the daily reconciliation run (UTC)."
  type        = string
  default     = "cron(0 6 * * ? *)"
}

variable "key_rotation_days" {
  description = "Days between automatic rotations of the tokenization and API signing keys."
  type        = number
  default     = 90

  validation {
    condition     = var.key_rotation_days >= 1 && var.key_rotation_days <= 365
    error_message = "key_rotation_days must be between 1 and 365."
  }
}

variable "evidence_retention_days" {
  description = "Object-lock (COMPLIANCE) retention of reconciliation evidence, in days."
  type        = number
  default     = 365
}

variable "access_log_retention_days" {
  description = "Days S3 server access logs are kept before expiry."
  type        = number
  default     = 400
}

variable "event_archive_retention_days" {
  description = "Days the payments bus archive keeps events for replay."
  type        = number
  default     = 90
}

variable "powertools_layer_version" {
  description = "Version of the public Powertools for AWS Lambda (Python) V3 arm64 layer."
  type        = number
  default     = 27
}

variable "dependency_layer_arn" {
  description = "Layer built from functions/requirements.txt; empty = public Powertools layer."
  type        = string
  default     = ""
}

variable "code_signing_policy" {
  description = "Lambda on unsigned code: Warn (local zips) or Enforce (signed releases)."
  type        = string
  default     = "Warn"

  validation {
    condition     = contains(["Warn", "Enforce"], var.code_signing_policy)
    error_message = "code_signing_policy must be Warn or Enforce."
  }
}
