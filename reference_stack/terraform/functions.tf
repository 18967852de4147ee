# Lambda functions of the payment pipeline.
#
# Packaging: one zip holds the package `reference_stack` with only `__init__.py` and
# `functions/**`, so every handler is addressed by the same dotted path in Lambda and in the
# tests, e.g. `reference_stack.functions.intake.app.handler`. The archive's source is the
# repository root; everything else in it is excluded by listing it (fileset minus the files
# to ship), because archive_file has no include filter.
#
# Dependencies (Powertools, pydantic, aws-xray-sdk) come from a layer: by default the public
# Powertools V3 layer for python3.12/arm64, which bundles those extras; set
# var.dependency_layer_arn to a layer built from functions/requirements.txt to pin them exactly.
#
# Code signing: every function has a code signing configuration that trusts only this stack's
# AWS Signer profile. Its policy is var.code_signing_policy, "Warn" by default: a zip built
# locally by archive_file is unsigned, and "Enforce" would refuse it. The release pipeline
# signs the zip with the profile (start-signing-job), deploys it from S3 and sets "Enforce".
#
# Every function: python3.12 on arm64, active tracing, reserved concurrency, environment
# encrypted with the functions CMK (names and ARNs only, no secrets), a dead-letter queue,
# JSON logs to its own KMS-encrypted log group, and the private subnets of network.tf.

locals {
  repo_root = "${path.module}/../.."

  # Files shipped to Lambda: package markers and runtime code, without caches or training.
  package_files = setsubtract(
    fileset(local.repo_root, "reference_stack/{__init__.py,functions/**}"),
    setunion(
      fileset(local.repo_root, "reference_stack/functions/**/__pycache__/**"),
      ["reference_stack/functions/fraud/train.py"],
    ),
  )

  powertools_layer_arn = join(":", [
    "arn:aws:lambda:${var.aws_region}:017000801446:layer",
    "AWSLambdaPowertoolsPythonV3-python312-arm64",
    tostring(var.powertools_layer_version),
  ])
  dependency_layer_arn = (
    var.dependency_layer_arn != "" ? var.dependency_layer_arn : local.powertools_layer_arn
  )

  private_subnet_ids = [aws_subnet.private["a"].id, aws_subnet.private["b"].id]
}

resource "aws_signer_signing_profile" "functions" {
  name_prefix = "${replace(var.name_prefix, "-", "_")}_"
  platform_id = "AWSLambda-SHA384-ECDSA"

  signature_validity_period {
    value = 135
    type  = "MONTHS"
  }
}

resource "aws_lambda_code_signing_config" "functions" {
  description = "Only code signed by the ${var.name_prefix} release profile"

  allowed_publishers {
    signing_profile_version_arns = [aws_signer_signing_profile.functions.version_arn]
  }

  policies {
    untrusted_artifact_on_deployment = var.code_signing_policy
  }
}

data "archive_file" "functions" {
  type        = "zip"
  source_dir  = local.repo_root
  excludes    = setsubtract(fileset(local.repo_root, "**"), local.package_files)
  output_path = "${path.module}/.build/functions.zip"
}

resource "aws_lambda_function" "intake" {
  function_name                  = "${var.name_prefix}-intake"
  description                    = "POST /payments: validate, tokenize the card, record, announce"
  role                           = aws_iam_role.fn["intake"].arn
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  handler                        = "reference_stack.functions.intake.app.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  layers                         = [local.dependency_layer_arn]
  memory_size                    = 512
  timeout                        = 10
  reserved_concurrent_executions = 100
  kms_key_arn                    = aws_kms_key.functions.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.functions.arn

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq["intake"].arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.fn["intake"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME     = "intake"
      POWERTOOLS_LOGGER_LOG_EVENT = "false"
      PAYMENTS_TABLE              = aws_dynamodb_table.payments.name
      IDEMPOTENCY_TABLE           = aws_dynamodb_table.idempotency.name
      EVENT_BUS_NAME              = aws_cloudwatch_event_bus.payments.name
      TOKENIZATION_SECRET_ARN     = aws_secretsmanager_secret.tokenization_key.arn
    }
  }

  tags = {
    data_classification = "cardholder"
  }

  depends_on = [
    aws_iam_role_policy.intake,
    aws_cloudwatch_log_group.fn["intake"],
    aws_iam_role_policy.vpc_access["intake"],
  ]
}

resource "aws_lambda_function" "fraud" {
  function_name                  = "${var.name_prefix}-fraud"
  description                    = "Scores payment.initiated with the fraud model"
  role                           = aws_iam_role.fn["fraud"].arn
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  handler                        = "reference_stack.functions.fraud.app.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  layers                         = [local.dependency_layer_arn]
  memory_size                    = 256
  timeout                        = 10
  reserved_concurrent_executions = 50
  kms_key_arn                    = aws_kms_key.functions.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.functions.arn

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq["fraud"].arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.fn["fraud"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME     = "fraud"
      POWERTOOLS_LOGGER_LOG_EVENT = "false"
      EVENT_BUS_NAME              = aws_cloudwatch_event_bus.payments.name
    }
  }

  tags = {
    data_classification = "personal"
  }

  depends_on = [
    aws_iam_role_policy.fraud,
    aws_cloudwatch_log_group.fn["fraud"],
    aws_iam_role_policy.vpc_access["fraud"],
  ]
}

resource "aws_lambda_function" "authorize" {
  function_name                  = "${var.name_prefix}-authorize"
  description                    = "Issuer simulator: approves or declines screened payments"
  role                           = aws_iam_role.fn["authorize"].arn
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  handler                        = "reference_stack.functions.authorize.app.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  layers                         = [local.dependency_layer_arn]
  memory_size                    = 256
  timeout                        = 10
  reserved_concurrent_executions = 50
  kms_key_arn                    = aws_kms_key.functions.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.functions.arn

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq["authorize"].arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.fn["authorize"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME     = "authorize"
      POWERTOOLS_LOGGER_LOG_EVENT = "false"
      PAYMENTS_TABLE              = aws_dynamodb_table.payments.name
      EVENT_BUS_NAME              = aws_cloudwatch_event_bus.payments.name
      CARD_LIMIT_MAJOR            = var.card_limit_major
      VELOCITY_MAX_PAYMENTS       = var.velocity_max_payments
      VELOCITY_WINDOW_SECONDS     = var.velocity_window_seconds
    }
  }

  tags = {
    data_classification = "cardholder"
  }

  depends_on = [
    aws_iam_role_policy.authorize,
    aws_cloudwatch_log_group.fn["authorize"],
    aws_iam_role_policy.vpc_access["authorize"],
  ]
}

resource "aws_lambda_function" "ledger" {
  function_name                  = "${var.name_prefix}-ledger"
  description                    = "Posts authorized payments as balanced double-entry lines, once"
  role                           = aws_iam_role.fn["ledger"].arn
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  handler                        = "reference_stack.functions.ledger.app.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  layers                         = [local.dependency_layer_arn]
  memory_size                    = 256
  timeout                        = 10
  reserved_concurrent_executions = 50
  kms_key_arn                    = aws_kms_key.functions.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.functions.arn

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq["ledger"].arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.fn["ledger"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME     = "ledger"
      POWERTOOLS_LOGGER_LOG_EVENT = "false"
      LEDGER_TABLE                = aws_dynamodb_table.ledger.name
      FEE_BPS                     = var.fee_bps
    }
  }

  tags = {
    data_classification = "cardholder"
  }

  depends_on = [
    aws_iam_role_policy.ledger,
    aws_cloudwatch_log_group.fn["ledger"],
    aws_iam_role_policy.vpc_access["ledger"],
  ]
}

resource "aws_lambda_function" "settle" {
  function_name                  = "${var.name_prefix}-settle"
  description                    = "Scheduled: batches authorized payments per merchant, currency"
  role                           = aws_iam_role.fn["settle"].arn
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  handler                        = "reference_stack.functions.settle.app.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  layers                         = [local.dependency_layer_arn]
  memory_size                    = 512
  timeout                        = 300
  reserved_concurrent_executions = 1
  kms_key_arn                    = aws_kms_key.functions.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.functions.arn

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq["settle"].arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.fn["settle"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME     = "settle"
      POWERTOOLS_LOGGER_LOG_EVENT = "false"
      PAYMENTS_TABLE              = aws_dynamodb_table.payments.name
      LEDGER_TABLE                = aws_dynamodb_table.ledger.name
    }
  }

  tags = {
    data_classification = "cardholder"
  }

  depends_on = [
    aws_iam_role_policy.settle,
    aws_cloudwatch_log_group.fn["settle"],
    aws_iam_role_policy.vpc_access["settle"],
  ]
}

resource "aws_lambda_function" "reconcile" {
  function_name                  = "${var.name_prefix}-reconcile"
  description                    = "Scheduled: matches the processor settlement file to the ledger"
  role                           = aws_iam_role.fn["reconcile"].arn
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  handler                        = "reference_stack.functions.reconcile.app.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  layers                         = [local.dependency_layer_arn]
  memory_size                    = 512
  timeout                        = 300
  reserved_concurrent_executions = 1
  kms_key_arn                    = aws_kms_key.functions.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.functions.arn

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq["reconcile"].arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.fn["reconcile"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME      = "reconcile"
      POWERTOOLS_LOGGER_LOG_EVENT  = "false"
      LEDGER_TABLE                 = aws_dynamodb_table.ledger.name
      SETTLEMENT_BUCKET            = aws_s3_bucket.settlement.id
      EVIDENCE_BUCKET              = aws_s3_bucket.evidence.id
      EVENT_BUS_NAME               = aws_cloudwatch_event_bus.payments.name
      RECON_AMOUNT_TOLERANCE_MINOR = var.recon_amount_tolerance_minor
      RECON_DATE_WINDOW_DAYS       = var.recon_date_window_days
    }
  }

  tags = {
    data_classification = "cardholder"
  }

  depends_on = [
    aws_iam_role_policy.reconcile,
    aws_cloudwatch_log_group.fn["reconcile"],
    aws_iam_role_policy.vpc_access["reconcile"],
  ]
}

resource "aws_lambda_function" "authorizer" {
  function_name                  = "${var.name_prefix}-authorizer"
  description                    = "Verifies merchants' API bearer tokens"
  role                           = aws_iam_role.fn["authorizer"].arn
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  handler                        = "reference_stack.functions.authorizer.app.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  layers                         = [local.dependency_layer_arn]
  memory_size                    = 256
  timeout                        = 5
  reserved_concurrent_executions = 50
  kms_key_arn                    = aws_kms_key.functions.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.functions.arn

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq["authorizer"].arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.fn["authorizer"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME     = "authorizer"
      POWERTOOLS_LOGGER_LOG_EVENT = "false"
      API_SIGNING_SECRET_ARN      = aws_secretsmanager_secret.api_signing_key.arn
      JWT_ISSUER                  = var.api_token_issuer
      JWT_AUDIENCE                = var.api_token_audience
    }
  }

  tags = {
    data_classification = "personal"
  }

  depends_on = [
    aws_iam_role_policy.authorizer,
    aws_cloudwatch_log_group.fn["authorizer"],
    aws_iam_role_policy.vpc_access["authorizer"],
  ]
}

resource "aws_lambda_function" "notifier" {
  function_name                  = "${var.name_prefix}-notifier"
  description                    = "Forwards declines and discrepancies to the notifications topic"
  role                           = aws_iam_role.fn["notifier"].arn
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  handler                        = "reference_stack.functions.notifier.app.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  layers                         = [local.dependency_layer_arn]
  memory_size                    = 256
  timeout                        = 10
  reserved_concurrent_executions = 10
  kms_key_arn                    = aws_kms_key.functions.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.functions.arn

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq["notifier"].arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.fn["notifier"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME     = "notifier"
      POWERTOOLS_LOGGER_LOG_EVENT = "false"
      NOTIFICATIONS_TOPIC_ARN     = aws_sns_topic.notifications.arn
    }
  }

  tags = {
    data_classification = "personal"
  }

  depends_on = [
    aws_iam_role_policy.notifier,
    aws_cloudwatch_log_group.fn["notifier"],
    aws_iam_role_policy.vpc_access["notifier"],
  ]
}

# Secrets Manager calls the rotation function step by step for both key secrets (secrets.tf);
# the function reads and writes only those secrets.
resource "aws_lambda_function" "rotate" {
  function_name                  = "${var.name_prefix}-rotate"
  description                    = "Secrets Manager rotation of the tokenization and API keys"
  role                           = aws_iam_role.fn["rotate"].arn
  runtime                        = "python3.12"
  architectures                  = ["arm64"]
  handler                        = "reference_stack.functions.rotate.app.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  layers                         = [local.dependency_layer_arn]
  memory_size                    = 256
  timeout                        = 30
  reserved_concurrent_executions = 2
  kms_key_arn                    = aws_kms_key.functions.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.functions.arn

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq["rotate"].arn
  }

  vpc_config {
    subnet_ids         = local.private_subnet_ids
    security_group_ids = [aws_security_group.functions.id]
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.fn["rotate"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME     = "rotate"
      POWERTOOLS_LOGGER_LOG_EVENT = "false"
    }
  }

  tags = {
    data_classification = "cardholder"
  }

  depends_on = [
    aws_iam_role_policy.rotate,
    aws_cloudwatch_log_group.fn["rotate"],
    aws_iam_role_policy.vpc_access["rotate"],
  ]
}

# Secrets Manager may invoke the rotation function for the two key secrets only.
resource "aws_lambda_permission" "secrets_manager_rotates" {
  for_each = {
    tokenization_key = aws_secretsmanager_secret.tokenization_key.arn
    api_signing_key  = aws_secretsmanager_secret.api_signing_key.arn
  }

  statement_id  = "AllowSecretsManagerRotation-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.rotate.function_name
  principal     = "secretsmanager.amazonaws.com"
  source_arn    = each.value
}

# Asynchronous invocations (EventBridge targets): two retries within an hour, then the
# function's dead-letter queue.
resource "aws_lambda_function_event_invoke_config" "async" {
  for_each = local.async_functions

  function_name                = local.function_names[each.key]
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
}
