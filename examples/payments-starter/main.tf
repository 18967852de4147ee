# A small teaching example: a payments table, its key, a queue and a function, with the
# mistakes ledgerguard is built to catch. Scan it with `ledgerguard scan examples/`.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      service = "payments-starter"
    }
  }
}

variable "region" {
  type        = string
  description = "AWS region to deploy to."
  default     = "eu-west-1"
}

resource "aws_kms_key" "payments" {
  description         = "Encrypts payment records"
  enable_key_rotation = true
}

resource "aws_dynamodb_table" "payments" {
  name         = "payments"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "payment_id"

  attribute {
    name = "payment_id"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.payments.arn
  }

  # Missing on purpose: point_in_time_recovery { enabled = true }

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_sqs_queue" "payments_dlq" {
  name = "payments-dlq"
  # Missing on purpose: kms_master_key_id
}

resource "aws_cloudwatch_log_group" "intake" {
  name              = "/aws/lambda/intake"
  retention_in_days = 30
  kms_key_id        = aws_kms_key.payments.arn
}

resource "aws_iam_role_policy" "intake" {
  name = "intake"
  role = "intake"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["dynamodb:*"], Resource = aws_dynamodb_table.payments.arn },
      { Effect = "Allow", Action = ["sqs:SendMessage"], Resource = aws_sqs_queue.payments_dlq.arn },
    ]
  })
}
