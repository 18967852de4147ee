# Private network for the functions, all of which handle cardholder or personal data
# (PCI-DSS 1.3: the CDE is segmented). There is no internet gateway and no NAT: the functions
# reach AWS services only through VPC endpoints, and the security groups allow HTTPS to those
# endpoints and nothing else. No security group accepts traffic from 0.0.0.0/0.

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "${var.name_prefix}-cde"
  }
}

# Two private subnets in two availability zones (key = zone suffix).
resource "aws_subnet" "private" {
  for_each = {
    a = 1
    b = 2
  }

  vpc_id                  = aws_vpc.main.id
  availability_zone       = "${var.aws_region}${each.key}"
  cidr_block              = cidrsubnet(var.vpc_cidr, 8, each.value)
  map_public_ip_on_launch = false

  tags = {
    Name = "${var.name_prefix}-private-${each.key}"
  }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  tags = {
    Name = "${var.name_prefix}-private"
  }
}

resource "aws_route_table_association" "private" {
  for_each = toset(["a", "b"])

  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private.id
}

# The default security group is taken over and left without rules, so nothing that forgets
# to name a security group gets any connectivity (CIS AWS 5.4).
resource "aws_default_security_group" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "functions" {
  name        = "${var.name_prefix}-functions"
  description = "Lambda functions in the CDE: no ingress, HTTPS egress to VPC endpoints only"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name_prefix}-endpoints"
  description = "Interface VPC endpoints: HTTPS from the functions' security group only"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_functions" {
  security_group_id            = aws_security_group.endpoints.id
  description                  = "HTTPS from the CDE functions"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.functions.id
}

resource "aws_vpc_security_group_egress_rule" "functions_to_endpoints" {
  security_group_id            = aws_security_group.functions.id
  description                  = "HTTPS to the interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id
}

resource "aws_vpc_security_group_egress_rule" "functions_to_dynamodb" {
  security_group_id = aws_security_group.functions.id
  description       = "HTTPS to DynamoDB through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.dynamodb.prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "functions_to_s3" {
  security_group_id = aws_security_group.functions.id
  description       = "HTTPS to S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}

# Gateway endpoints (free) with policies that only reach this stack's tables and buckets.
resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.${var.aws_region}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OnlyThisStacksTables"
        Effect    = "Allow"
        Principal = "*"
        Action    = "dynamodb:*"
        Resource = [
          aws_dynamodb_table.payments.arn,
          "${aws_dynamodb_table.payments.arn}/index/*",
          aws_dynamodb_table.ledger.arn,
          "${aws_dynamodb_table.ledger.arn}/index/*",
          aws_dynamodb_table.idempotency.arn,
        ]
      },
    ]
  })
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.${var.aws_region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OnlyThisStacksBuckets"
        Effect    = "Allow"
        Principal = "*"
        Action    = ["s3:GetObject", "s3:PutObject"]
        Resource = [
          "${aws_s3_bucket.settlement.arn}/*",
          "${aws_s3_bucket.evidence.arn}/*",
        ]
      },
    ]
  })
}

# Interface endpoints for the other services the functions call. X-Ray is included so that
# active tracing works without a NAT gateway.
resource "aws_vpc_endpoint" "interface" {
  for_each = toset(["events", "secretsmanager", "sns", "xray"])

  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.${var.aws_region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.private["a"].id, aws_subnet.private["b"].id]
  security_group_ids  = [aws_security_group.endpoints.id]
}

# VPC flow logs (PCI-DSS 10.2, SOC 2 CC7.2) to a KMS-encrypted log group kept 365 days.
resource "aws_flow_log" "main" {
  vpc_id                   = aws_vpc.main.id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.vpc_flow_logs.arn
  iam_role_arn             = aws_iam_role.vpc_flow_logs.arn
  max_aggregation_interval = 60
}
