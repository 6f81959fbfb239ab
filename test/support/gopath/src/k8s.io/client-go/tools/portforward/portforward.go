// Package portforward declares the part of k8s.io/client-go/tools/portforward that racecheck's
// fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package portforward

import "io"

// Dialer opens the streams a forwarder copies through.
type Dialer interface{}

// ForwardedPort is a pair of ports: local and remote.
type ForwardedPort struct {
	Local  uint16
	Remote uint16
}

// PortForwarder listens on local ports and forwards connections to a pod.
type PortForwarder struct{}

// New builds a forwarder; ForwardPorts closes readyChan once every port listens.
func New(dialer Dialer, ports []string, stopChan <-chan struct{}, readyChan chan struct{}, out, errOut io.Writer) (*PortForwarder, error) {
	return nil, nil
}

// NewOnAddresses is New on the given local addresses.
func NewOnAddresses(dialer Dialer, addresses []string, ports []string, stopChan <-chan struct{}, readyChan chan struct{}, out, errOut io.Writer) (*PortForwarder, error) {
	return nil, nil
}

// ForwardPorts listens, closes the ready channel, and copies until the stop channel is closed.
func (pf *PortForwarder) ForwardPorts() error { return nil }

// GetPorts returns the ports it listens on, once ready.
func (pf *PortForwarder) GetPorts() ([]ForwardedPort, error) { return nil, nil }

// Close stops listening.
func (pf *PortForwarder) Close() {}
