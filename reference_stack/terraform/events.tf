# Event routing. Domain events travel on the custom `payments` bus; each rule's pattern is its
# own jsonencode so that a local runner can route events exactly as EventBridge would:
#
#   payment.initiated          (ledgerguard.intake)    -> fraud
#   payment.screened           (ledgerguard.fraud)     -> authorize
#   payment.authorized         (ledgerguard.authorize) -> ledger
#   payment.declined           (ledgerguard.authorize) -> notifier
#   reconciliation.discrepancy (ledgerguard.reconcile) -> notifier
#
# The two schedules live on the default bus, the only bus that runs schedule expressions.
# Every target retries for up to an hour, then parks the event in events_dlq.
#
# The bus and its archive are encrypted with the messaging CMK (kms.tf grants EventBridge its
# use for this bus only). Events carry tokens, BIN and last four, amounts and country codes,
# never card numbers or secrets.

locals {
  payments_bus_name = "${var.name_prefix}-payments"
  # Built from the name rather than read from the bus, which itself refers to the key whose
  # policy needs this ARN.
  payments_bus_arn = join(":", [
    "arn:aws:events:${var.aws_region}:${local.account_id}",
    "event-bus/${local.payments_bus_name}",
  ])

  event_rule_arns = [
    aws_cloudwatch_event_rule.payment_initiated.arn,
    aws_cloudwatch_event_rule.payment_screened.arn,
    aws_cloudwatch_event_rule.payment_authorized.arn,
    aws_cloudwatch_event_rule.payment_declined.arn,
    aws_cloudwatch_event_rule.reconciliation_discrepancy.arn,
    aws_cloudwatch_event_rule.settlement_schedule.arn,
    aws_cloudwatch_event_rule.reconciliation_schedule.arn,
  ]
}

resource "aws_cloudwatch_event_bus" "payments" {
  name               = local.payments_bus_name
  kms_key_identifier = aws_kms_key.messaging.arn

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_cloudwatch_event_archive" "payments" {
  name               = "${var.name_prefix}-payments"
  description        = "Every event of the payments bus, kept for replay after an incident"
  event_source_arn   = aws_cloudwatch_event_bus.payments.arn
  retention_days     = var.event_archive_retention_days
  kms_key_identifier = aws_kms_key.messaging.arn
}

# --- payment.initiated -> fraud ----------------------------------------------------------

resource "aws_cloudwatch_event_rule" "payment_initiated" {
  name           = "${var.name_prefix}-payment-initiated"
  description    = "Payments accepted by intake go to fraud screening"
  event_bus_name = aws_cloudwatch_event_bus.payments.name

  event_pattern = jsonencode({
    source        = ["ledgerguard.intake"]
    "detail-type" = ["payment.initiated"]
  })
}

resource "aws_cloudwatch_event_target" "payment_initiated" {
  rule           = aws_cloudwatch_event_rule.payment_initiated.name
  event_bus_name = aws_cloudwatch_event_bus.payments.name
  target_id      = "fraud"
  arn            = aws_lambda_function.fraud.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

resource "aws_lambda_permission" "payment_initiated" {
  statement_id  = "AllowPaymentInitiatedRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fraud.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.payment_initiated.arn
}

# --- payment.screened -> authorize -------------------------------------------------------

resource "aws_cloudwatch_event_rule" "payment_screened" {
  name           = "${var.name_prefix}-payment-screened"
  description    = "Screened payments go to the issuer simulator"
  event_bus_name = aws_cloudwatch_event_bus.payments.name

  event_pattern = jsonencode({
    source        = ["ledgerguard.fraud"]
    "detail-type" = ["payment.screened"]
  })
}

resource "aws_cloudwatch_event_target" "payment_screened" {
  rule           = aws_cloudwatch_event_rule.payment_screened.name
  event_bus_name = aws_cloudwatch_event_bus.payments.name
  target_id      = "authorize"
  arn            = aws_lambda_function.authorize.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

resource "aws_lambda_permission" "payment_screened" {
  statement_id  = "AllowPaymentScreenedRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.authorize.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.payment_screened.arn
}

# --- payment.authorized -> ledger --------------------------------------------------------

resource "aws_cloudwatch_event_rule" "payment_authorized" {
  name           = "${var.name_prefix}-payment-authorized"
  description    = "Authorized payments are posted to the ledger"
  event_bus_name = aws_cloudwatch_event_bus.payments.name

  event_pattern = jsonencode({
    source        = ["ledgerguard.authorize"]
    "detail-type" = ["payment.authorized"]
  })
}

resource "aws_cloudwatch_event_target" "payment_authorized" {
  rule           = aws_cloudwatch_event_rule.payment_authorized.name
  event_bus_name = aws_cloudwatch_event_bus.payments.name
  target_id      = "ledger"
  arn            = aws_lambda_function.ledger.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

resource "aws_lambda_permission" "payment_authorized" {
  statement_id  = "AllowPaymentAuthorizedRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.ledger.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.payment_authorized.arn
}

# --- payment.declined -> notifier --------------------------------------------------------

resource "aws_cloudwatch_event_rule" "payment_declined" {
  name           = "${var.name_prefix}-payment-declined"
  description    = "Declined payments are notified"
  event_bus_name = aws_cloudwatch_event_bus.payments.name

  event_pattern = jsonencode({
    source        = ["ledgerguard.authorize"]
    "detail-type" = ["payment.declined"]
  })
}

resource "aws_cloudwatch_event_target" "payment_declined" {
  rule           = aws_cloudwatch_event_rule.payment_declined.name
  event_bus_name = aws_cloudwatch_event_bus.payments.name
  target_id      = "notifier"
  arn            = aws_lambda_function.notifier.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

resource "aws_lambda_permission" "payment_declined" {
  statement_id  = "AllowPaymentDeclinedRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.notifier.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.payment_declined.arn
}

# --- reconciliation.discrepancy -> notifier ----------------------------------------------

resource "aws_cloudwatch_event_rule" "reconciliation_discrepancy" {
  name           = "${var.name_prefix}-reconciliation-discrepancy"
  description    = "Reconciliation discrepancies are notified"
  event_bus_name = aws_cloudwatch_event_bus.payments.name

  event_pattern = jsonencode({
    source        = ["ledgerguard.reconcile"]
    "detail-type" = ["reconciliation.discrepancy"]
  })
}

resource "aws_cloudwatch_event_target" "reconciliation_discrepancy" {
  rule           = aws_cloudwatch_event_rule.reconciliation_discrepancy.name
  event_bus_name = aws_cloudwatch_event_bus.payments.name
  target_id      = "notifier"
  arn            = aws_lambda_function.notifier.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

resource "aws_lambda_permission" "reconciliation_discrepancy" {
  statement_id  = "AllowReconciliationDiscrepancyRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.notifier.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.reconciliation_discrepancy.arn
}

# --- schedules (default bus) -------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "settlement_schedule" {
  name                = "${var.name_prefix}-settlement-schedule"
  description         = "Nightly settlement batch run"
  schedule_expression = var.settlement_schedule
}

resource "aws_cloudwatch_event_target" "settlement_schedule" {
  rule      = aws_cloudwatch_event_rule.settlement_schedule.name
  target_id = "settle"
  arn       = aws_lambda_function.settle.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

resource "aws_lambda_permission" "settlement_schedule" {
  statement_id  = "AllowSettlementSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.settle.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.settlement_schedule.arn
}

resource "aws_cloudwatch_event_rule" "reconciliation_schedule" {
  name                = "${var.name_prefix}-reconciliation-schedule"
  description         = "Daily reconciliation of the previous business day"
  schedule_expression = var.reconciliation_schedule
}

resource "aws_cloudwatch_event_target" "reconciliation_schedule" {
  rule      = aws_cloudwatch_event_rule.reconciliation_schedule.name
  target_id = "reconcile"
  arn       = aws_lambda_function.reconcile.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

resource "aws_lambda_permission" "reconciliation_schedule" {
  statement_id  = "AllowReconciliationSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.reconcile.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.reconciliation_schedule.arn
}
