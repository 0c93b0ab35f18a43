[ "$(grep -c "shop-api:4.0.3" docker-compose.yml)" = 2 ] && ! grep -q "4.0.2" docker-compose.yml && grep -q "shop-web:2.3.1" docker-compose.yml
