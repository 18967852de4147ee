# IAM: one role per function, each with its own inline policy that names exact resources.
# "*" appears only for X-Ray's two actions (no resource-level support) and in the separate
# vpc_access policies (ENI management, which AWS requires on "*"; see the end of this file).
#
# The table below is proven by trace: the local run (reference_stack/local, --trace) records
# every AWS call each function makes and checks it against these policies both ways, every
# call allowed and every grant used (tests/reference_stack/test_refstack_least_privilege.py).
#
# Statement Sids tell who exercises each permission:
#   Runtime...  the Lambda service or runtime, on the function's behalf, not the code:
#               logs:CreateLogStream + logs:PutLogEvents on the function's own log group;
#               xray:PutTraceSegments + xray:PutTelemetryRecords (active tracing);
#               sqs:SendMessage to the function's DLQ + kms:GenerateDataKey/kms:Decrypt on the
#               messaging key (failed async invocations, written by Lambda with this role).
#   Code...     a boto3 call in the function's code (map below).
#   Kms...      KMS use implied by a Code call on a CMK-encrypted resource; limited to that
#               call's service with kms:ViaService.
#
# Action -> resource -> code path, per function (paths under reference_stack/functions/).
# DynamoDB's TransactWriteItems has no IAM action of its own: each Put or Update inside it is
# authorized as dynamodb:PutItem or dynamodb:UpdateItem on the item's table.
#
# intake
#   dynamodb:PutItem                payments       intake/app.py record_payment (put_item)
#   dynamodb:GetItem                payments       intake/app.py _stored_payment (get_item)
#   dynamodb:PutItem                idempotency    Powertools idempotency (intake/app.py
#   dynamodb:UpdateItem             idempotency      _recorder): lock the key (put_item), save
#   dynamodb:DeleteItem             idempotency      the response (update_item), release the
#                                                    key after an error (delete_item). No
#                                                    GetItem: a conflicting put returns the
#                                                    existing record (ReturnValuesOnCondition-
#                                                    CheckFailure), so Powertools never reads it
#   events:PutEvents                payments bus   common/events.py publish (put_events)
#   secretsmanager:GetSecretValue   tokenization   common/secrets.py secret_bytes
#   kms:Decrypt                     data key       implied by the dynamodb and secret calls
# fraud
#   events:PutEvents                payments bus   common/events.py publish (put_events)
# authorize
#   dynamodb:GetItem                payments       authorize/app.py load_payment (get_item)
#   dynamodb:Query                  by_card_token  authorize/app.py count_recent_payments
#   dynamodb:UpdateItem             payments       authorize/app.py store_decision
#   events:PutEvents                payments bus   common/events.py publish (put_events)
#   kms:Decrypt                     data key       implied by the dynamodb calls
# ledger
#   dynamodb:PutItem                ledger         ledger/app.py write_once
#                                                    (transact_write_items of Puts)
#   kms:Decrypt                     data key       implied by the dynamodb call
# settle
#   dynamodb:Query                  by_settlement  settle/app.py pending_payments (query)
#   dynamodb:PutItem                ledger         settle/app.py settle_batch
#   dynamodb:UpdateItem             payments         (transact_write_items: Put + Updates)
#   kms:Decrypt                     data key       implied by the dynamodb calls
# reconcile
#   s3:GetObject                    settlement     reconcile/app.py read_settlement_file
#   dynamodb:Query                  by_posting_dt  reconcile/app.py _markers_posted_on
#   s3:PutObject                    evidence       reconcile/app.py write_report
#   events:PutEvents                payments bus   common/events.py publish (put_events)
#   kms:Decrypt                     data key       implied by get_object and the query
#   kms:GenerateDataKey             data key       implied by put_object
# authorizer
#   secretsmanager:GetSecretValue   api signing    common/secrets.py secret_bytes
#   kms:Decrypt                     data key       implied by the secret call
# notifier
#   sns:Publish                     notifications  notifier/app.py handler (publish)
#   kms:GenerateDataKey             messaging key  implied by publish to an encrypted topic
#   kms:Decrypt                     messaging key  implied by publish to an encrypted topic
# rotate (Secrets Manager rotation of both key secrets)
#   secretsmanager:DescribeSecret   both secrets   rotate/app.py handler (describe_secret)
#   secretsmanager:GetSecretValue   both secrets   rotate/app.py create_secret, verify_secret
#   secretsmanager:PutSecretValue   both secrets   rotate/app.py create_secret
#   secretsmanager:UpdateSecretVersionStage        rotate/app.py finish_secret
#                                   both secrets
#   kms:Decrypt                     data key       implied by get_secret_value
#   kms:GenerateDataKey             data key       implied by put_secret_value
#
# events:PutEvents is further limited with the events:source and events:detail-type condition
# keys, so each function can only publish its own event types.

resource "aws_iam_role" "fn" {
  for_each = local.functions

  name        = "${var.name_prefix}-${each.key}"
  description = "Execution role of the ${each.key} function"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "lambda.amazonaws.com" }
        Action    = "sts:AssumeRole"
      },
    ]
  })
}

# intake: payments table, idempotency table, bus, tokenization secret.
resource "aws_iam_role_policy" "intake" {
  name = "intake"
  role = aws_iam_role.fn["intake"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.fn["intake"].arn}:*"
      },
      {
        Sid      = "RuntimeTracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "RuntimeDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.function_dlq["intake"].arn
      },
      {
        Sid      = "RuntimeDeadLetterQueueKms"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${var.aws_region}.amazonaws.com" }
        }
      },
      {
        Sid      = "CodePaymentsTable"
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:GetItem"]
        Resource = aws_dynamodb_table.payments.arn
      },
      {
        Sid    = "CodeIdempotencyTable"
        Effect = "Allow"
        Action = [
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
        ]
        Resource = aws_dynamodb_table.idempotency.arn
      },
      {
        Sid      = "CodePublishEvents"
        Effect   = "Allow"
        Action   = "events:PutEvents"
        Resource = aws_cloudwatch_event_bus.payments.arn
        Condition = {
          StringEquals = {
            "events:source"      = "ledgerguard.intake"
            "events:detail-type" = ["payment.initiated"]
          }
        }
      },
      {
        Sid      = "CodeTokenizationSecret"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = aws_secretsmanager_secret.tokenization_key.arn
      },
      {
        Sid      = "KmsDataKey"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.data.arn
        Condition = {
          StringEquals = {
            "kms:ViaService" = [
              "dynamodb.${var.aws_region}.amazonaws.com",
              "secretsmanager.${var.aws_region}.amazonaws.com",
            ]
          }
        }
      },
    ]
  })
}

# fraud: publishes payment.screened; reads no table or secret.
resource "aws_iam_role_policy" "fraud" {
  name = "fraud"
  role = aws_iam_role.fn["fraud"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.fn["fraud"].arn}:*"
      },
      {
        Sid      = "RuntimeTracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "RuntimeDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.function_dlq["fraud"].arn
      },
      {
        Sid      = "RuntimeDeadLetterQueueKms"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${var.aws_region}.amazonaws.com" }
        }
      },
      {
        Sid      = "CodePublishEvents"
        Effect   = "Allow"
        Action   = "events:PutEvents"
        Resource = aws_cloudwatch_event_bus.payments.arn
        Condition = {
          StringEquals = {
            "events:source"      = "ledgerguard.fraud"
            "events:detail-type" = ["payment.screened"]
          }
        }
      },
    ]
  })
}

# authorize: payments table and its card-token index, bus.
resource "aws_iam_role_policy" "authorize" {
  name = "authorize"
  role = aws_iam_role.fn["authorize"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.fn["authorize"].arn}:*"
      },
      {
        Sid      = "RuntimeTracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "RuntimeDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.function_dlq["authorize"].arn
      },
      {
        Sid      = "RuntimeDeadLetterQueueKms"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${var.aws_region}.amazonaws.com" }
        }
      },
      {
        Sid      = "CodePaymentsTable"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
        Resource = aws_dynamodb_table.payments.arn
      },
      {
        Sid      = "CodeVelocityIndex"
        Effect   = "Allow"
        Action   = "dynamodb:Query"
        Resource = "${aws_dynamodb_table.payments.arn}/index/by_card_token"
      },
      {
        Sid      = "CodePublishEvents"
        Effect   = "Allow"
        Action   = "events:PutEvents"
        Resource = aws_cloudwatch_event_bus.payments.arn
        Condition = {
          StringEquals = {
            "events:source"      = "ledgerguard.authorize"
            "events:detail-type" = ["payment.authorized", "payment.declined"]
          }
        }
      },
      {
        Sid      = "KmsDataKey"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.data.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "dynamodb.${var.aws_region}.amazonaws.com" }
        }
      },
    ]
  })
}

# ledger: writes posting lines and markers (TransactWriteItems of Puts).
resource "aws_iam_role_policy" "ledger" {
  name = "ledger"
  role = aws_iam_role.fn["ledger"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.fn["ledger"].arn}:*"
      },
      {
        Sid      = "RuntimeTracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "RuntimeDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.function_dlq["ledger"].arn
      },
      {
        Sid      = "RuntimeDeadLetterQueueKms"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${var.aws_region}.amazonaws.com" }
        }
      },
      {
        Sid      = "CodeLedgerTable"
        Effect   = "Allow"
        Action   = "dynamodb:PutItem"
        Resource = aws_dynamodb_table.ledger.arn
      },
      {
        Sid      = "KmsDataKey"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.data.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "dynamodb.${var.aws_region}.amazonaws.com" }
        }
      },
    ]
  })
}

# settle: reads the settlement index, writes batches and payment statuses.
resource "aws_iam_role_policy" "settle" {
  name = "settle"
  role = aws_iam_role.fn["settle"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.fn["settle"].arn}:*"
      },
      {
        Sid      = "RuntimeTracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "RuntimeDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.function_dlq["settle"].arn
      },
      {
        Sid      = "RuntimeDeadLetterQueueKms"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${var.aws_region}.amazonaws.com" }
        }
      },
      {
        Sid      = "CodeSettlementIndex"
        Effect   = "Allow"
        Action   = "dynamodb:Query"
        Resource = "${aws_dynamodb_table.payments.arn}/index/by_settlement"
      },
      {
        Sid      = "CodePaymentsTable"
        Effect   = "Allow"
        Action   = "dynamodb:UpdateItem"
        Resource = aws_dynamodb_table.payments.arn
      },
      {
        Sid      = "CodeLedgerTable"
        Effect   = "Allow"
        Action   = "dynamodb:PutItem"
        Resource = aws_dynamodb_table.ledger.arn
      },
      {
        Sid      = "KmsDataKey"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.data.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "dynamodb.${var.aws_region}.amazonaws.com" }
        }
      },
    ]
  })
}

# reconcile: settlement files in, ledger index, evidence out, bus.
resource "aws_iam_role_policy" "reconcile" {
  name = "reconcile"
  role = aws_iam_role.fn["reconcile"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.fn["reconcile"].arn}:*"
      },
      {
        Sid      = "RuntimeTracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "RuntimeDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.function_dlq["reconcile"].arn
      },
      {
        Sid      = "RuntimeDeadLetterQueueKms"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${var.aws_region}.amazonaws.com" }
        }
      },
      {
        Sid      = "CodeReadSettlementFiles"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${aws_s3_bucket.settlement.arn}/incoming/*"
      },
      {
        Sid      = "CodeWriteEvidence"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = "${aws_s3_bucket.evidence.arn}/reconciliation/*"
      },
      {
        Sid      = "CodePostingDateIndex"
        Effect   = "Allow"
        Action   = "dynamodb:Query"
        Resource = "${aws_dynamodb_table.ledger.arn}/index/by_posting_date"
      },
      {
        Sid      = "CodePublishEvents"
        Effect   = "Allow"
        Action   = "events:PutEvents"
        Resource = aws_cloudwatch_event_bus.payments.arn
        Condition = {
          StringEquals = {
            "events:source"      = "ledgerguard.reconcile"
            "events:detail-type" = ["reconciliation.discrepancy"]
          }
        }
      },
      {
        Sid      = "KmsDataKeyDecrypt"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.data.arn
        Condition = {
          StringEquals = {
            "kms:ViaService" = [
              "s3.${var.aws_region}.amazonaws.com",
              "dynamodb.${var.aws_region}.amazonaws.com",
            ]
          }
        }
      },
      {
        Sid      = "KmsDataKeyEncrypt"
        Effect   = "Allow"
        Action   = "kms:GenerateDataKey"
        Resource = aws_kms_key.data.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "s3.${var.aws_region}.amazonaws.com" }
        }
      },
    ]
  })
}

# authorizer: reads the API signing key.
resource "aws_iam_role_policy" "authorizer" {
  name = "authorizer"
  role = aws_iam_role.fn["authorizer"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.fn["authorizer"].arn}:*"
      },
      {
        Sid      = "RuntimeTracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "RuntimeDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.function_dlq["authorizer"].arn
      },
      {
        Sid      = "RuntimeDeadLetterQueueKms"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${var.aws_region}.amazonaws.com" }
        }
      },
      {
        Sid      = "CodeApiSigningSecret"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = aws_secretsmanager_secret.api_signing_key.arn
      },
      {
        Sid      = "KmsDataKey"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.data.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "secretsmanager.${var.aws_region}.amazonaws.com" }
        }
      },
    ]
  })
}

# notifier: publishes to the notifications topic.
resource "aws_iam_role_policy" "notifier" {
  name = "notifier"
  role = aws_iam_role.fn["notifier"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.fn["notifier"].arn}:*"
      },
      {
        Sid      = "RuntimeTracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "RuntimeDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.function_dlq["notifier"].arn
      },
      {
        Sid      = "RuntimeDeadLetterQueueKms"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${var.aws_region}.amazonaws.com" }
        }
      },
      {
        Sid      = "CodeNotificationsTopic"
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = aws_sns_topic.notifications.arn
      },
      {
        Sid      = "KmsMessagingKey"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sns.${var.aws_region}.amazonaws.com" }
        }
      },
    ]
  })
}

# rotate: reads and writes the versions of the two key secrets.
resource "aws_iam_role_policy" "rotate" {
  name = "rotate"
  role = aws_iam_role.fn["rotate"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.fn["rotate"].arn}:*"
      },
      {
        Sid      = "RuntimeTracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "RuntimeDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.function_dlq["rotate"].arn
      },
      {
        Sid      = "RuntimeDeadLetterQueueKms"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = aws_kms_key.messaging.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${var.aws_region}.amazonaws.com" }
        }
      },
      {
        Sid    = "CodeRotateKeySecrets"
        Effect = "Allow"
        Action = [
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetSecretValue",
          "secretsmanager:PutSecretValue",
          "secretsmanager:UpdateSecretVersionStage",
        ]
        Resource = [
          aws_secretsmanager_secret.tokenization_key.arn,
          aws_secretsmanager_secret.api_signing_key.arn,
        ]
      },
      {
        Sid      = "KmsDataKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.data.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "secretsmanager.${var.aws_region}.amazonaws.com" }
        }
      },
    ]
  })
}

# ENI management for the functions in the VPC (all of them). Lambda creates and deletes the
# functions' network interfaces with the execution role when a function is deployed or
# scaled; the code never calls EC2. These actions are kept in their own policy, not in the
# function policies above, so that those list code paths only. The AWS-managed
# AWSLambdaVPCAccessExecutionRole would grant the same EC2 actions but also
# logs:CreateLogGroup/CreateLogStream/PutLogEvents on every log group in the account, which
# the function policies deliberately scope to one log group. The Describe* actions have no
# resource-level support and stay on "*". The actions that change interfaces name resource
# types (interfaces, subnets, security groups) rather than ids, which do not exist before
# Lambda creates the interfaces, and are held to this VPC with the ec2:Vpc condition, so a
# function's role cannot touch another network's interfaces.
resource "aws_iam_role_policy" "vpc_access" {
  for_each = local.vpc_functions

  name = "vpc-access"
  role = aws_iam_role.fn[each.key].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RuntimeVpcDescribe"
        Effect   = "Allow"
        Action   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
        Resource = "*"
      },
      {
        Sid    = "RuntimeVpcCreateNetworkInterface"
        Effect = "Allow"
        Action = "ec2:CreateNetworkInterface"
        Resource = [
          "arn:aws:ec2:${var.aws_region}:${local.account_id}:network-interface/*",
          "arn:aws:ec2:${var.aws_region}:${local.account_id}:subnet/*",
          "arn:aws:ec2:${var.aws_region}:${local.account_id}:security-group/*",
        ]
        Condition = {
          ArnEquals = { "ec2:Vpc" = aws_vpc.main.arn }
        }
      },
      {
        Sid    = "RuntimeVpcManageNetworkInterfaces"
        Effect = "Allow"
        Action = [
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ]
        Resource = "arn:aws:ec2:${var.aws_region}:${local.account_id}:network-interface/*"
        Condition = {
          ArnEquals = { "ec2:Vpc" = aws_vpc.main.arn }
        }
      },
    ]
  })
}

# VPC flow logs deliver to their log group with this role.
resource "aws_iam_role" "vpc_flow_logs" {
  name        = "${var.name_prefix}-vpc-flow-logs"
  description = "Lets VPC flow logs write to their CloudWatch log group"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "vpc-flow-logs.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike = {
            "aws:SourceArn" = "arn:aws:ec2:${var.aws_region}:${local.account_id}:vpc-flow-log/*"
          }
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "vpc_flow_logs" {
  name = "vpc-flow-logs"
  role = aws_iam_role.vpc_flow_logs.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "WriteFlowLogStreams"
        Effect = "Allow"
        Action = [
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "logs:DescribeLogStreams",
        ]
        Resource = "${aws_cloudwatch_log_group.vpc_flow_logs.arn}:*"
      },
      {
        Sid      = "FindFlowLogGroup"
        Effect   = "Allow"
        Action   = "logs:DescribeLogGroups"
        Resource = local.log_group_arn_pattern
      },
    ]
  })
}
