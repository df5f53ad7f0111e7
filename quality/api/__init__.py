"""The quality half's part of the partner API (``/api/v1/``): inspection outcomes of the token's lots."""
