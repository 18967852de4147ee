# Dead-letter queues and SNS topics, all encrypted with the messaging CMK.
#
#   function_dlq[name] - async invocations of a function that failed all retries; written by
#                        the Lambda service with the function's own role
#   events_dlq         - events EventBridge could not deliver to a target; written by
#                        events.amazonaws.com for this stack's rules only
#   alarms             - CloudWatch alarm notifications
#   notifications      - declines and reconciliation discrepancies, published by notifier

resource "aws_sqs_queue" "function_dlq" {
  for_each = local.functions

  name                      = "${var.name_prefix}-${each.key}-dlq"
  kms_master_key_id         = aws_kms_key.messaging.arn
  message_retention_seconds = 1209600

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_sqs_queue_policy" "function_dlq" {
  for_each = local.functions

  queue_url = aws_sqs_queue.function_dlq[each.key].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OnlyTheFunctionsRoleSends"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.fn[each.key].arn }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.function_dlq[each.key].arn
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.function_dlq[each.key].arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_sqs_queue" "events_dlq" {
  name                      = "${var.name_prefix}-events-dlq"
  kms_master_key_id         = aws_kms_key.messaging.arn
  message_retention_seconds = 1209600

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_sqs_queue_policy" "events_dlq" {
  queue_url = aws_sqs_queue.events_dlq.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OnlyThisStacksRulesSend"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.events_dlq.arn
        Condition = {
          ArnEquals = { "aws:SourceArn" = local.event_rule_arns }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.events_dlq.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.messaging.arn
}

resource "aws_sns_topic_policy" "alarms" {
  arn = aws_sns_topic.alarms.arn

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CloudWatchAlarmsOfThisAccountPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms.arn
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike = {
            "aws:SourceArn" = "arn:aws:cloudwatch:${var.aws_region}:${local.account_id}:alarm:*"
          }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_sns_topic" "notifications" {
  name              = "${var.name_prefix}-notifications"
  kms_master_key_id = aws_kms_key.messaging.arn

  tags = {
    data_classification = "personal"
  }
}

resource "aws_sns_topic_policy" "notifications" {
  arn = aws_sns_topic.notifications.arn

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OnlyTheNotifierPublishes"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.fn["notifier"].arn }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.notifications.arn
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.notifications.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}
