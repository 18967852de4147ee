# DynamoDB tables. All three are encrypted with the data CMK, have point-in-time recovery and
# deletion protection, and are billed on demand.
#
#   payments    - one item per payment: token, BIN, last four, status (never the PAN)
#   ledger      - double-entry posting lines, a marker item per posted payment, settlement
#                 batch records
#   idempotency - Powertools idempotency records of intake (key `id`, TTL `expiration`)

resource "aws_dynamodb_table" "payments" {
  name                        = "${var.name_prefix}-payments"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "payment_id"
  deletion_protection_enabled = true

  attribute {
    name = "payment_id"
    type = "S"
  }

  attribute {
    name = "card_token"
    type = "S"
  }

  attribute {
    name = "created_at"
    type = "S"
  }

  attribute {
    name = "settle_pending"
    type = "S"
  }

  attribute {
    name = "decided_at"
    type = "S"
  }

  # Velocity check of the issuer simulator: payments per card token over time.
  global_secondary_index {
    name            = "by_card_token"
    hash_key        = "card_token"
    range_key       = "created_at"
    projection_type = "KEYS_ONLY"
  }

  # Sparse index of authorized, unsettled payments (settle_pending is removed on settlement).
  global_secondary_index {
    name               = "by_settlement"
    hash_key           = "settle_pending"
    range_key          = "decided_at"
    projection_type    = "INCLUDE"
    non_key_attributes = ["merchant_id", "currency", "amount_minor"]
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_dynamodb_table" "ledger" {
  name                        = "${var.name_prefix}-ledger"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = true

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "posting_date"
    type = "S"
  }

  attribute {
    name = "payment_id"
    type = "S"
  }

  # Sparse index of the per-payment marker items, by business date, for reconciliation.
  global_secondary_index {
    name               = "by_posting_date"
    hash_key           = "posting_date"
    range_key          = "payment_id"
    projection_type    = "INCLUDE"
    non_key_attributes = ["merchant_id", "currency", "amount_minor"]
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_dynamodb_table" "idempotency" {
  name                        = "${var.name_prefix}-idempotency"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = true

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }

  point_in_time_recovery {
    enabled = true
  }

  # Records hold a hash of the request and intake's response (payment id and status).
  tags = {
    data_classification = "cardholder"
  }
}
