//! The admin and OAuth calls the scenarios make against one node.

use super::VISIBLE_WITHIN;
use crate::helpers::Response;
use reqwest::Method;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An HTTP client holding the bootstrap admin's token, which every node accepts.
#[derive(Clone)]
pub(super) struct Api {
    pub(super) http: reqwest::Client,
    pub(super) admin: String,
}

impl Api {
    pub(super) async fn new(node: &str) -> Self {
        let signed_in = crate::helpers::Api::new(node, "").signed_in().await;
        Self {
            http: signed_in.http,
            admin: signed_in.admin_token,
        }
    }

    /// The endpoints of `node`, through the shared client.
    pub(super) fn at(&self, node: &str) -> crate::helpers::Api {
        crate::helpers::Api {
            base: node.to_string(),
            management: String::new(),
            http: self.http.clone(),
            admin_token: self.admin.clone(),
        }
    }

    pub(super) async fn client_credentials(&self, node: &str, client: (&str, &str)) -> Response {
        self.at(node)
            .token(client, &[("grant_type", "client_credentials")])
            .await
    }

    /// Asks `node` for tokens until it refuses or the visibility bound since `changed` has
    /// passed: a node may answer from its copy of a client for a quarter second (the SQL
    /// stores' cache). Returns the last answer and the tokens handed out before it.
    pub(super) async fn until_refused(
        &self,
        node: &str,
        client: (&str, &str),
        changed: Instant,
    ) -> (Response, Vec<String>) {
        let mut issued = Vec::new();
        loop {
            let answer = self.client_credentials(node, client).await;
            if answer.status != 200 || changed.elapsed() > VISIBLE_WITHIN {
                return (answer, issued);
            }
            issued.push(answer.access_token());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub(super) async fn password(&self, node: &str, client: (&str, &str), user: &str, password: &str) -> Response {
        self.at(node).login(client, user, password).await
    }

    pub(super) async fn introspect(&self, node: &str, client: (&str, &str), token: &str) -> Value {
        let answer = self.at(node).introspect(client, token).await;
        assert_eq!(answer.status, 200);
        answer.json
    }

    pub(super) async fn revoke(&self, node: &str, client: (&str, &str), token: &str) {
        assert_eq!(self.at(node).revoke(client, token).await.status, 200);
    }

    /// An admin call; asserts `expected` and returns the JSON body.
    pub(super) async fn admin(
        &self,
        node: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        expected: u16,
    ) -> Value {
        let answer = self.at(node).admin(method.clone(), path, body).await;
        assert_eq!(answer.status, expected, "{method} {path}: {}", answer.text);
        answer.json
    }

    pub(super) async fn create_tenant(&self, node: &str, body: Value) {
        self.admin(node, Method::POST, "/admin/tenants", Some(body), 201).await;
    }

    /// Creates a client of tenant `acme`; returns its secret.
    pub(super) async fn create_client(&self, node: &str, body: Value) -> String {
        let created = self
            .admin(node, Method::POST, "/admin/tenants/acme/clients", Some(body), 201)
            .await;
        created["client_secret"].as_str().unwrap().to_string()
    }

    /// The admin view of a token (with its `id`), from its value.
    pub(super) async fn lookup(&self, node: &str, token: &str) -> Value {
        let answer = self.at(node).lookup_token(token).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json
    }

    /// `n` client_credentials requests released together, the i-th sent to `nodes[i % len]`.
    pub(super) async fn burst(&self, nodes: &[&str], n: usize, client: (&str, &str)) -> Vec<Response> {
        let gate = Arc::new(tokio::sync::Barrier::new(n));
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (api, gate) = (self.clone(), gate.clone());
                let node = nodes[i % nodes.len()].to_string();
                let (id, secret) = (client.0.to_string(), client.1.to_string());
                tokio::spawn(async move {
                    gate.wait().await;
                    api.client_credentials(&node, (&id, &secret)).await
                })
            })
            .collect();
        let mut answers = Vec::with_capacity(n);
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    }
}
