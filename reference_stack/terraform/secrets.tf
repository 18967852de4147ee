# Key material in Secrets Manager, encrypted with the data CMK. Terraform creates the secrets
# but never their values (a value in Terraform state would be a copy of the key): the rotation
# function (functions/rotate) writes every value, including the first one, which it creates
# when Terraform enables rotation on the still empty secret.
#
# Both secrets rotate every var.key_rotation_days days. Their `key_format` tag tells the
# rotation function what to write:
# - hmac-key-ring (tokenization key): the new value is the key ring plus one new key, which
#   becomes current. Older keys stay in the ring (the newest six), so a card's earlier tokens
#   can still be computed for look-ups, and intake also records each card's token under the
#   previous key, so velocity checks span a rotation (reference_stack/README.md).
# - single-key (API signing key): the new value is one new key. The authorizer accepts the
#   current and the previous version, so tokens issued before a rotation stay valid until they
#   expire; the token issuer signs with the current version, which it reads from this secret.

resource "aws_secretsmanager_secret" "tokenization_key" {
  name                    = "${var.name_prefix}/pan-tokenization-key"
  description             = "Key ring of HMAC-SHA256 keys for card tokens (written by rotation)"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 30

  tags = {
    data_classification = "cardholder"
    key_format          = "hmac-key-ring"
  }
}

resource "aws_secretsmanager_secret_rotation" "tokenization_key" {
  secret_id           = aws_secretsmanager_secret.tokenization_key.id
  rotation_lambda_arn = aws_lambda_function.rotate.arn

  rotation_rules {
    automatically_after_days = var.key_rotation_days
  }

  depends_on = [aws_lambda_permission.secrets_manager_rotates["tokenization_key"]]
}

resource "aws_secretsmanager_secret" "api_signing_key" {
  name                    = "${var.name_prefix}/api-signing-key"
  description             = "HS256 key of merchants' API bearer tokens (base64, set by rotation)"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 30

  tags = {
    data_classification = "personal"
    key_format          = "single-key"
  }
}

resource "aws_secretsmanager_secret_rotation" "api_signing_key" {
  secret_id           = aws_secretsmanager_secret.api_signing_key.id
  rotation_lambda_arn = aws_lambda_function.rotate.arn

  rotation_rules {
    automatically_after_days = var.key_rotation_days
  }

  depends_on = [aws_lambda_permission.secrets_manager_rotates["api_signing_key"]]
}
