# Customer managed KMS keys, one per purpose, each with rotation, a 30-day deletion window and
# an explicit key policy. The account root statement delegates use of the key to IAM policies
# (the functions' roles name the key they use); service principals get only what their
# integration needs, pinned to this account and, where the service sends it, the source ARN.
#
#   data      - DynamoDB tables, settlement/evidence buckets, Secrets Manager secrets
#   messaging - payments event bus and its archive, SQS dead-letter queues, SNS topics
#   logs      - CloudWatch log groups (functions, API access log, VPC flow logs) and the S3
#               server access log bucket
#   functions - Lambda environment variables (names and ARNs only; no secrets in them)

resource "aws_kms_key" "data" {
  description             = "${var.name_prefix}: cardholder and personal data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountRootManagesKeyAndDelegatesToIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name_prefix}-data"
  target_key_id = aws_kms_key.data.key_id
}

resource "aws_kms_key" "messaging" {
  description             = "${var.name_prefix}: event bus, dead-letter queues, SNS topics"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountRootManagesKeyAndDelegatesToIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "EventBridgeEncryptsThePaymentsBusAndArchive"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncrypt*"]
        Resource  = "*"
        Condition = {
          StringEquals = {
            "aws:SourceAccount"                              = local.account_id
            "kms:EncryptionContext:aws:events:event-bus:arn" = local.payments_bus_arn
          }
        }
      },
      {
        Sid       = "EventBridgeChecksTheKey"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "kms:DescribeKey"
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
      {
        Sid       = "EventBridgeWritesToEncryptedDeadLetterQueue"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnEquals    = { "aws:SourceArn" = local.event_rule_arns }
        }
      },
      {
        Sid       = "CloudWatchAlarmsPublishToEncryptedTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike = {
            "aws:SourceArn" = "arn:aws:cloudwatch:${var.aws_region}:${local.account_id}:alarm:*"
          }
        }
      },
    ]
  })

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_kms_alias" "messaging" {
  name          = "alias/${var.name_prefix}-messaging"
  target_key_id = aws_kms_key.messaging.key_id
}

locals {
  log_group_arn_pattern = "arn:aws:logs:${var.aws_region}:${local.account_id}:log-group:*"
}

resource "aws_kms_key" "logs" {
  description             = "${var.name_prefix}: CloudWatch log groups"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountRootManagesKeyAndDelegatesToIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "S3ServerAccessLoggingWritesEncryptedLogs"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "kms:GenerateDataKey"
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike = {
            "aws:SourceArn" = [aws_s3_bucket.settlement.arn, aws_s3_bucket.evidence.arn]
          }
        }
      },
      {
        Sid       = "CloudWatchLogsEncryptsThisAccountsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.aws_region}.amazonaws.com" }
        Action = [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ]
        Resource = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn_pattern
          }
        }
      },
    ]
  })

  tags = {
    data_classification = "personal"
  }
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name_prefix}-logs"
  target_key_id = aws_kms_key.logs.key_id
}

resource "aws_kms_key" "functions" {
  description             = "${var.name_prefix}: Lambda environment variables"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  # Lambda uses a grant it creates when a function is deployed with this key; the deploying
  # principal gets kms:CreateGrant through the root statement and its own IAM policy.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountRootManagesKeyAndDelegatesToIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "functions" {
  name          = "alias/${var.name_prefix}-functions"
  target_key_id = aws_kms_key.functions.key_id
}
