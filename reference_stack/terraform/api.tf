# HTTP API in front of intake. Every route goes through the Lambda REQUEST authorizer; the
# default stage throttles and writes JSON access logs (no request bodies) to an encrypted
# log group.

resource "aws_apigatewayv2_api" "payments" {
  name          = "${var.name_prefix}-payments"
  description   = "Card payment intake for merchants"
  protocol_type = "HTTP"

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_apigatewayv2_authorizer" "merchant_token" {
  api_id                            = aws_apigatewayv2_api.payments.id
  name                              = "merchant-token"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = aws_lambda_function.authorizer.invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  identity_sources                  = ["$request.header.Authorization"]
  authorizer_result_ttl_in_seconds  = 300
}

resource "aws_apigatewayv2_integration" "intake" {
  api_id                 = aws_apigatewayv2_api.payments.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.intake.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 10000
}

resource "aws_apigatewayv2_route" "create_payment" {
  api_id             = aws_apigatewayv2_api.payments.id
  route_key          = "POST /payments"
  target             = "integrations/${aws_apigatewayv2_integration.intake.id}"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.merchant_token.id
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.payments.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit   = var.api_throttling_burst_limit
    throttling_rate_limit    = var.api_throttling_rate_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      merchantId         = "$context.authorizer.merchant_id"
    })
  }

  tags = {
    data_classification = "personal"
  }
}

resource "aws_lambda_permission" "api_invokes_intake" {
  statement_id  = "AllowApiPostPayments"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.intake.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.payments.execution_arn}/*/POST/payments"
}

resource "aws_lambda_permission" "api_invokes_authorizer" {
  statement_id  = "AllowApiMerchantTokenAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.authorizer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn = join("/", [
    aws_apigatewayv2_api.payments.execution_arn,
    "authorizers",
    aws_apigatewayv2_authorizer.merchant_token.id,
  ])
}
