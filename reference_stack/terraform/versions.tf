# Provider and Terraform versions, and the provider configuration with default tags.
#
# AWS provider 6.2+ is needed for kms_key_identifier on aws_cloudwatch_event_archive (the bus
# got it in 5.x); archive 2.4+ for glob patterns in excludes.

terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.2, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      project          = "ledgerguard-reference-stack"
      environment      = var.environment
      owner            = var.owner
      compliance_scope = "pci-dss-4.0 soc2 gdpr"
      managed_by       = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id

  # Every Lambda function of the pipeline. Keys are the sub-packages of functions/.
  functions = toset([
    "intake",
    "fraud",
    "authorize",
    "ledger",
    "settle",
    "reconcile",
    "authorizer",
    "notifier",
    "rotate",
  ])

  # Every function handles cardholder or personal data (card tokens, amounts, merchant ids,
  # country codes, bearer tokens), so every function runs in the private subnets.
  vpc_functions = local.functions

  function_names = {
    intake     = aws_lambda_function.intake.function_name
    fraud      = aws_lambda_function.fraud.function_name
    authorize  = aws_lambda_function.authorize.function_name
    ledger     = aws_lambda_function.ledger.function_name
    settle     = aws_lambda_function.settle.function_name
    reconcile  = aws_lambda_function.reconcile.function_name
    authorizer = aws_lambda_function.authorizer.function_name
    notifier   = aws_lambda_function.notifier.function_name
    rotate     = aws_lambda_function.rotate.function_name
  }

  # Functions invoked asynchronously (by EventBridge); they get an explicit retry policy.
  # intake and authorizer are called synchronously by API Gateway, rotate by Secrets Manager
  # (which retries a failed rotation itself).
  async_functions = toset(["fraud", "authorize", "ledger", "settle", "reconcile", "notifier"])
}
