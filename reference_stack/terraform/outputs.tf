# Values operators and the processor integration need after `terraform apply`.

output "api_endpoint" {
  description = "Base URL of the payments API; POST /payments with a bearer token."
  value       = aws_apigatewayv2_api.payments.api_endpoint
}

output "event_bus_name" {
  description = "Name of the custom EventBridge bus carrying the domain events."
  value       = aws_cloudwatch_event_bus.payments.name
}

output "event_bus_arn" {
  description = "ARN of the payments event bus."
  value       = aws_cloudwatch_event_bus.payments.arn
}

output "function_names" {
  description = "Lambda function name per pipeline step."
  value       = local.function_names
}

output "payments_table_name" {
  description = "DynamoDB table of payments (tokens only, never card numbers)."
  value       = aws_dynamodb_table.payments.name
}

output "ledger_table_name" {
  description = "DynamoDB table of ledger postings, markers and settlement batches."
  value       = aws_dynamodb_table.ledger.name
}

output "settlement_bucket" {
  description = "Bucket the processor integration writes incoming/<date>.csv files to."
  value       = aws_s3_bucket.settlement.id
}

output "evidence_bucket" {
  description = "Object-locked bucket holding reconciliation reports."
  value       = aws_s3_bucket.evidence.id
}

output "tokenization_secret_arn" {
  description = "Secret to load the card tokenization key into after the first apply."
  value       = aws_secretsmanager_secret.tokenization_key.arn
}

output "api_signing_secret_arn" {
  description = "Secret to load the API token signing key into after the first apply."
  value       = aws_secretsmanager_secret.api_signing_key.arn
}

output "alarms_topic_arn" {
  description = "SNS topic of the CloudWatch alarms; subscribe the on-call channel to it."
  value       = aws_sns_topic.alarms.arn
}

output "notifications_topic_arn" {
  description = "SNS topic of decline and discrepancy notifications."
  value       = aws_sns_topic.notifications.arn
}
